"""A small service built the way every real service is, used to test platformkit end to end."""
