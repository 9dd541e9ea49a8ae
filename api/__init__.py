"""lianzheng service: serves a built release (REST, SPARQL, linked data, downloads, pages)."""
