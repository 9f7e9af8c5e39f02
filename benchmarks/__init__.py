"""Benchmarks of contentapi against its floor, its limit and its peers (see README "Performance").

Run ``python -m benchmarks all`` (or one of api, sweep, scale, publish, audit).
"""
