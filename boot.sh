#! /bin/sh
# Generates configure and Makefile.in from a fresh clone.
autoreconf --install --force
