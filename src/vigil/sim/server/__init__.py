"""A local server speaking the X API v2, Mastodon and Bluesky XRPC subsets over a sim world.

Use :func:`vigil.sim.server.app.create_sim_app` in-process or :func:`vigil.sim.server.app.serve`.
"""
