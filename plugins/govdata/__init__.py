"""govdata: public-data governance pipelines."""
