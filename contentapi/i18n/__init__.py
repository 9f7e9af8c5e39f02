"""Internationalisation: supported locales, negotiation, catalogs and extraction.

Plain Python with no Flask import.
"""
