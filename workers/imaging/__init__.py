"""Still images: safe decoding and encoding, whole-photo restoration."""
