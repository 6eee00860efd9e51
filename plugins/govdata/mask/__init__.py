"""Masking (脱敏): per-entity value masks, free-text spans and keyed pseudonyms, by the policies of config/masking.yaml.

from govdata import config
from govdata.mask.values import mask_value

policy = config.load_masking_config().policy(config.EVIDENCE_POLICY)
mask_value("CN_MOBILE", "13812345678", policy)  # '138****5678'

Files: table.py plans a table's columns from the classifier (all values) and masks cells; file.py reads and
writes CSV/XLSX around it; cli.py is `govdata mask PATH -o OUT`.
"""
