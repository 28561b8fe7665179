"""Folium pages, built by plain functions from query results (no Flask request inside)."""
