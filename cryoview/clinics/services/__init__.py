"""The clinics' writes, one module per capability: directory (clinics, practitioners, suggestions), claims and
credentials (documents a moderator checks), attribution (a review's clinic, practitioner and label), log."""
