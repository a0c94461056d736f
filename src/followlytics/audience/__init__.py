"""The audience data: follower schema, importers, the snapshot store and the synthetic generator."""
