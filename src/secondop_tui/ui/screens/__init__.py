"""Full screens shown over the workbook."""
