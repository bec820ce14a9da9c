"""The runtime sensor: what processes run, open and connect to, as runtime records (source ``syscall``).

``bpf/sensor.bt`` is the kernel side (bpftrace, tracepoints only), completed by :mod:`~jackwatch.sensor.program`
with the open filters of :mod:`~jackwatch.sensor.filters`; :mod:`~jackwatch.sensor.capture` runs it and reads its
output (:mod:`~jackwatch.sensor.messages`, :mod:`~jackwatch.sensor.ordering`); :mod:`~jackwatch.sensor.records`
makes records with the process table (:mod:`~jackwatch.sensor.procs`, :mod:`~jackwatch.sensor.procfs`), containers
(:mod:`~jackwatch.sensor.containers`), users (:mod:`~jackwatch.sensor.users`) and DNS names
(:mod:`~jackwatch.sensor.dns`); :mod:`~jackwatch.sensor.fallback` polls ``/proc`` when eBPF cannot run;
:mod:`~jackwatch.sensor.run` feeds the records to the events file, the store and the rules.
"""
