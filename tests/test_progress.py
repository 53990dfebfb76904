"""Progress bars (tqdm): drawn when someone watches, silent when stdout is piped."""

from mesatheory.progress import fraction_bar, interactive, track


def test_quiet_when_stdout_is_not_a_terminal(capsys):
    assert not interactive()                      # pytest captures stdout: not a terminal, not a notebook
    assert list(track(iter(range(3)), 3, "x")) == [0, 1, 2]
    with fraction_bar("x") as progress:
        assert progress is None
    assert capsys.readouterr() == ("", "")


def test_bars_draw_when_enabled(capsys):
    assert list(track(iter("ab"), 2, "check tiny", enabled=True)) == ["a", "b"]
    with fraction_bar("derive", enabled=True) as progress:
        progress("gaussian", 0.5)
        progress("done", 1.0)
    err = capsys.readouterr().err
    assert "check tiny" in err and "2/2" in err
    assert "derive" in err and "gaussian" in err and "100.0 %" in err
