"""The tables: the Frictionless data package and its CSV files (:mod:`.package`), and the
workbook (:mod:`.xlsx`)."""
