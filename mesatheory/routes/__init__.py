"""Numerical routes to the theory's quantities that never use the formula they check.

* :mod:`.ode` — the reduced ``(a, b)`` gradient flow, integrated with SciPy's DOP853 to a terminal event;
* :mod:`.montecarlo` — the minimiser of the model's empirical AR loss on sampled sequences, with its SE;
* :mod:`.cubature` — exact expectations: a Gauss rule for ``x_1`` from its exact moments × a phase grid;
* :mod:`.population_flow` — the exact population loss over every parameter entry and its gradient flow.
"""
