"""embeddings package (see ../shared/DESIGN.md for its role in the data flow)."""
