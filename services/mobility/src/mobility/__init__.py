"""mobility: rides along the bus network in timetable slots, with the guaranteed fallback taxi."""
