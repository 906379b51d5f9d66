"""Civil stage: zones and crossings, roads and their grades, earthwork, gen-tie, constructability."""
