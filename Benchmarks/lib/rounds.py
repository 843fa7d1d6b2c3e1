"""The order things are measured in within a round: each round starts one further along, so no system always goes
first (warm caches, a quiet machine) or last."""


def rotated(items, by):
    """`items` as a list, started at index `by` (modulo its length) and wrapped round."""
    by %= len(items)
    return items[by:] + items[:by]
