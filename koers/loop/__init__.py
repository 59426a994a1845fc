"""The learning loop: annotations, actions, target revisions, review sessions and their reports."""
