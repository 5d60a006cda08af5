"""Knowledge base, retrieval, channels and CLI of the post-acne-marks FAQ assistant."""
