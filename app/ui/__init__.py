"""The dashboard's pages, one module per role (Streamlit layout only; reads and writes go through the workspace)."""
