"""Masking (脱敏): per-entity value masks, free-text spans and keyed pseudonyms, by the policies of config/masking.yaml.

from govdata import config
from govdata.mask.values import mask_value

policy = config.load_masking_config().policy(config.EVIDENCE_POLICY)
mask_value("CN_MOBILE", "13812345678", policy)  # '138****5678'
"""
