"""Scenario studies: a grid of layout variants (structure × GCR × tilt × DC/AC × strategy) run as
layout jobs and compared on energy and cost."""
