"""How a swap's sources are keyed and how many photos a person may have (light: the API checks
requests against these; ``workers.pipelines.sources`` analyses the photos)."""

# The key of a single swap's one person (a multi swap's persons are P1, P2, ...).
SINGLE_SOURCE_KEY = "source"
# Photos of one person averaged into one identity, at most.
MAX_SOURCE_PHOTOS = 10
