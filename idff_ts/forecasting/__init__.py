"""Generic forecasting pieces that every domain uses; none of them names a domain.

- :mod:`~idff_ts.forecasting.options`: device, model, horizon and sampler resolution;
- :mod:`~idff_ts.forecasting.times`: time axes: kind, step, init times, valid times;
- :mod:`~idff_ts.forecasting.ensemble`: the model-space windows a domain encodes
  (:class:`~idff_ts.forecasting.ensemble.Encoded`) and the ensemble sampled from them
  (:func:`~idff_ts.forecasting.ensemble.sample_ensemble`).

The public :func:`idff_ts.forecast` resolves the model, asks the domain registry
(:mod:`idff_ts.domains`) which domain owns it and lets the domain encode, sample and decode.
"""
