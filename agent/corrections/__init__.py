"""Corrections that teach: the user says what an email is; Rebound relabels it, fixes its drafts and learns.

verdicts.py   what a user can say (rejection, not_rejection, or a label) and what Rebound makes of it
records.py    the corrections in the database: queued, applied in one transaction, listed, learned from
folders.py    the two Rebound folders: made on first run, read with cursors of their own
corrector.py  applying a queued correction: relabel, then withdraw or write the drafts
step.py       the corrections' part of every pass

Learning from them (`rebound learn`) is agent/classifier/learn.py, the only place it touches spaCy.
"""
