"""`reflex run --env prod` in two halves, so a test run builds the production frontend once
and starts every live app from that one build (tests/support/frontend_build.py).

    python -m tests.support.reflex_prebuilt build   # init, compile and build; serve nothing
    python -m tests.support.reflex_prebuilt serve   # serve the build in REFLEX_WEB_WORKDIR as is

Both run Reflex's own `run` command (same checks, same backend workers, same mounting of
the compiled frontend on the one port) with one step switched off: `build` stops before
starting the backend, `serve` skips compiling and building. Reflex is pinned
(requirements.txt), and these are the two functions its prod run calls for those steps.
"""

from __future__ import annotations

import sys


def main(mode: str) -> None:
    import reflex.reflex as reflex_cli
    from reflex.utils import build, exec as reflex_exec

    if mode == "build":
        reflex_exec.run_backend_prod = lambda *args, **kwargs: None
    elif mode == "serve":
        reflex_cli._compile_app = lambda **kwargs: None
        build.setup_frontend_prod = lambda root: None
    else:
        raise SystemExit(f"usage: python -m tests.support.reflex_prebuilt build|serve (not {mode!r})")
    reflex_cli.cli(["run", "--env", "prod", "--loglevel", "info"])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "")
