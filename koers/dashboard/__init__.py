"""The only koers code that imports streamlit: login, selection and URL state, cached reads, forms."""
