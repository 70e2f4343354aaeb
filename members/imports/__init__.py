"""File imports: channel exports (Tmall, JD) and generic member/order files.

Layers: `readers` turn a CSV/XLSX file (`xlsx_table` for workbooks) into a `table.Table` of
header-keyed text rows; `formats` turn those rows into typed rows (`rows`); the engine resolves
buyers to people and writes orders set-based, chunk by chunk, recording an `ImportBatch` with
counts and row errors.
"""
