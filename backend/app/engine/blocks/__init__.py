"""Blocks stage: profiles (data in `profile_data/`), placement, strategies, technology mix."""
