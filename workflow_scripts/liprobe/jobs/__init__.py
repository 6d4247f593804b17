"""The job server (:mod:`liprobe.jobs.server`): per-experiment steps run in
children forked from one warm process, so hundreds of small jobs do not each
pay the imports of numpy, pandas, nmrglue and matplotlib. The steps themselves
live in :mod:`liprobe.steps`.
"""
