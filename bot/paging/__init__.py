"""Off-Discord paging: an escalation reaches an adult by email and by a signed webhook.

``page`` composes what a page says (``compose_page``, no free text unless the config allows
it), ``smtp`` and ``webhook`` are the two ``bot.delivery.Outlet``\\ s, ``outlets`` builds them
and the prompts of one page from ``[paging]``. The package imports nothing here, so
``bot.config`` can use ``addresses`` without importing the outlets.
"""
