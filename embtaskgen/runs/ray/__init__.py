"""The Ray backend of the runner: the calls of a run made by a pool of Ray Data actors.

* ``executor.py`` - the Ray session, the Dataset of planned calls, outcomes recorded on the driver;
* ``callers.py`` - what each actor builds from the model spec (the generator, its run LM, the call);
* ``actors.py`` - the Ray Data actor that makes a batch of calls on the local scheduler;
* ``shard_output.py`` - the output folder of shards, committed a batch at a time.
"""

__all__: list[str] = []
