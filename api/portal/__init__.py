"""The portal: the service's one HTML layer (pages, their data, words, charts, templates)."""
