"""Media and model plumbing shared by face swap, slow motion and restore.

Pure Python: nothing here imports Django. Settings are passed in as arguments.
"""
