"""The paper's setting and every constant the package shares, each defined once.

The names follow ``docs/paper.md``: ``d`` is the dimension of ``x_1``, ``T`` the sequence length, ``(a_0, b_0)``
the diagonal initialisation of Assumption 1 (the paper's Assumption 3.1).

Two seeds, on purpose: ``verify`` samples with :data:`VERIFY_SEED` (0), while the reproduction of the paper's
simulations uses :data:`TRAINING_SEED` (1), the seed of the official code. The reproduction's sizes and learning
rates are data, in ``checks/paper.toml``; only the defaults that code needs are here.
"""

from __future__ import annotations

# --- the paper's setting (docs/paper.md §5) -------------------------------------------------------------------
D = 5                    #: dimension of x_1
T = 100                  #: sequence length
A0 = 0.1                 #: initial a (W^KQ_32 = a_0 I)
B0 = 0.1                 #: initial b (W^PV_12 = b_0 I)
TRAINING_SEED = 1        #: the official code's seed (reproduction)
TRAINING_SEQUENCES = 10_000   #: m, the training (and test) set size of the paper's runs

# --- verify's sampling budget ---------------------------------------------------------------------------------
VERIFY_SEED = 0          #: default seed of ``verify``
VERIFY_SAMPLES = 12_288  #: default number of Monte-Carlo sequences of ``verify``
PHASE_AVERAGED_DRAWS = 32  #: draws of x_1 per sampled sequence for the phase-averaged Monte-Carlo estimator
PHASE_DRAWS_CAP = 1 << 24  #: the phase-averaged estimators extend their draws up to this many (≈ 3 s for Laplace)
SAMPLED_RESOLUTION = 0.02  #: relative error the phase-averaged estimators are sized to reject: beyond their base
                         #: draws they draw more (up to PHASE_DRAWS_CAP) until their relative SE is
                         #: SAMPLED_RESOLUTION / (Z_BAND + RESOLUTION_MARGIN)
RESOLUTION_MARGIN = 3.0  #: standard errors between the band and a SAMPLED_RESOLUTION error: 1.645 for 95 % power,
                         #: the rest for a heavy-tailed pilot, whose SE runs low (Laplace: 0.33 % where 0.29 % aimed)
SAMPLER_DRAWS = 1 << 18  #: draws of x_1 for the check of the sampler against the exact moments
SAMPLER_DEGREE = 12      #: highest moment degree that check compares

# --- acceptance -----------------------------------------------------------------------------------------------
Z_BAND = 5.0             #: a sampled value passes when |estimate − theory| ≤ Z_BAND·SE (+ ROUNDING)
ROUNDING = 1e-12         #: float64 allowance, relative to max(|theory|, 1), for estimators with SE ≈ 0
FLOW_TOL = 1e-8          #: relative error allowed for a numerically integrated flow (reduced or full)
EXACT_TOL = 1e-10        #: relative error allowed for exact (cubature) routes, and for off-diagonal entries
REPRODUCE_FLOOR = 2e-4   #: relative allowance of a trained run beyond Z_BAND·SE (optimisation residual)

# --- ODE solver (SciPy solve_ivp, DOP853) ---------------------------------------------------------------------
ODE_RTOL = 1e-12         #: relative tolerance of the reduced (a, b) flow
FULL_FLOW_RTOL = 1e-10   #: relative tolerance of the full flow (its limit is then exact to ~1e-11, against FLOW_TOL)
REDUCED_ATOL = 1e-14     #: absolute tolerance of the reduced (a, b) flow
FULL_FLOW_ATOL = 1e-15   #: absolute tolerance of the full flow: its off-diagonal entries start at 0 and must
                         #: stay below EXACT_TOL, so they need a tighter floor than (a, b)

# --- size limits ----------------------------------------------------------------------------------------------
POPULATION_WORK = 3e7    #: largest work (table entries, see routes.population.population_work) of the exact
                         #: population tables; the paper's d = 5, T = 100 needs 6e6 (≈ 1 s)
CLI_MAX_D = 64           #: largest d accepted (command line and API)
CLI_MAX_T = 100_000      #: largest T accepted
MIN_SAMPLES = 256        #: fewest Monte-Carlo sequences accepted (fewer give no usable standard error)
MAX_SAMPLES = 10**8      #: most Monte-Carlo sequences accepted (the sampled routes decline what exceeds their budget)
INIT_BOUND = 1e6         #: largest |a0|, |b0| accepted
SAMPLED_WORK = 4e8       #: budget of a sampled route in multiply-adds (samples × T × d²); the default uses 3e7
PARAMETER_RANGE = (1e-30, 1e30)   #: accepted magnitudes of a law's scale parameters
NUMBER_DIGITS = 40       #: longest number literal accepted in a law spec
SYMBOLIC_MAX_D = 10      #: largest d of the symbolic claims (SymPy; measured 2–4 s at d = 10)
