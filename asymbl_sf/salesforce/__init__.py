"""The only layer that talks HTTP: connecting, the API façade and the batch writer."""
