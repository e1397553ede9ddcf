"""The TMF621 supplier simulator over real sockets."""
