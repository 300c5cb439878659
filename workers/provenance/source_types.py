"""The IPTC digital source types an output's C2PA manifest states (light: the web process names
them in each job kind's provenance without loading the signer)."""

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_ALGORITHMIC_MEDIA = f"{IPTC}trainedAlgorithmicMedia"
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = f"{IPTC}compositeWithTrainedAlgorithmicMedia"
