"""The synthetic world: a generator with ground truth and a local server for the platforms' APIs."""
