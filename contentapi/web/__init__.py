"""The HTTP layer: blueprints per area and the helpers they share. Views stay thin."""
