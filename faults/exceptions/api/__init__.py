"""The ticket exceptions API of seed 003, at /ticketExceptions/v1/... (standard routes, persona
checked) and /ticketExceptions/public/v1/... (the helpdesk's webhook, any persona): JWT bearer
tokens (`auth`), the seed's error envelope (`errors`), `pageKey` cursor pages (`pagination`) and the
view class every route subclasses (`base`)."""
