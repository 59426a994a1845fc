"""Placeholder: being built."""

import streamlit as st

from koers.ui import t

st.title(t("pages.presentation"))
