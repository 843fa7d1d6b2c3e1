"""Medians, quartiles and ratios (stdlib only)."""

import statistics


def quantile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    position = q * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


class Summary:
    """Median and interquartile range of one measured series."""

    def __init__(self, values):
        self.values = list(values)
        self.n = len(self.values)
        self.median = statistics.median(self.values) if self.values else float("nan")
        self.p25 = quantile(self.values, 0.25)
        self.p75 = quantile(self.values, 0.75)

    @property
    def spread(self):
        """Half the interquartile range relative to the median, in percent."""
        if not self.median:
            return float("nan")
        return 50.0 * (self.p75 - self.p25) / abs(self.median)


def safe_ratio(a, b):
    if b == 0 or b != b or a != a:
        return float("nan")
    return a / b
