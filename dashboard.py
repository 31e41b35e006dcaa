"""Streamlit front door. Thin: pages call into the packages; resources are cached.

Until the dashboard issue lands this is an overview page of the store (counts and the data report).
"""

from __future__ import annotations

import streamlit as st

from data.report import data_report
from data.settings import load_settings
from data.store import Store, StoreError


@st.cache_data(ttl=60)
def _report(db_path: str, data_version: str) -> list[tuple[str, object]]:
    with Store(db_path) as store:
        return [(title, frame) for title, frame in data_report(store)]


def main() -> None:
    st.set_page_config(page_title="Jobmatch", layout="wide")
    st.title("Jobmatch")
    st.caption("Beslutningsstøtte til jobcentre i Odense og København")
    settings = load_settings()
    try:
        with Store(settings.db_path) as store:
            version = store.data_version
    except StoreError as exc:
        st.error(str(exc))
        return
    st.info("Konsulent-, virksomheds- og analytikervisningerne kommer her. Indtil da: dataoverblik.")
    for title, frame in _report(str(settings.db_path), version):
        st.subheader(title)
        st.dataframe(frame, hide_index=True)


main()
