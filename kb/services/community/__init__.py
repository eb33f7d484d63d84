"""People and demand: reach the people behind a case, follow what happens, post and join needs.

* ``relay``     – the contact relay: a member writes, the site mails the recipient with the
                  sender as Reply-To; the recipient's address is never shown. Rate-limited.
* ``referents`` – members who answer for their organisation's use of a case ("Ansprechperson").
* ``throttle``  – the rate limits of relay and follows, counted in the action log (no content).
* ``updates``   – what happened to published cases and needs (recorded on flush), for feeds.
* ``follows``   – who follows which case, topic, municipality or need; unsubscribe tokens.
* ``digests``   – at most one mail a day per member with the updates of what they follow.
* ``needs``     – needs ("Bedarf melden"): posting, moderation, joining ("wir auch").
* ``pools``     – the municipalities interested in a case or a need, grouped by Land and size.

Like every service: the session and the actor are passed in; each public writer commits once;
mail goes out after the commit.
"""
