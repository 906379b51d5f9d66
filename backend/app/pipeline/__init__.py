"""The layout pipeline: site + parameters + terrain + weather -> a designed, simulated, priced plant.

One sequence shared by the worker, the synchronous API path and the CLI (`app.pipeline.run`).
"""
