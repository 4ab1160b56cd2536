"""Attack tests against the web workbench, the public endpoints and the stores behind them."""
