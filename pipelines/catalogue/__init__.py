"""The files harvesters and cross-linking read, written into every release: DCAT-AP catalogue,
VoID, data.gov.tw metadata, OCDS, the change feed and the reconciliation index."""
