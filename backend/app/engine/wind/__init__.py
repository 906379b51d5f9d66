"""Wind: resource at hub height, turbines, layout rules and wake-aware energy (pure)."""
