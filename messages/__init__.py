"""Vietnamese texts and plan content as data, with the small loader that formats them."""
