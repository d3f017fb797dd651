"""``{% load masking %}`` then ``{{ citizen.resident_id|masked_resident_id }}`` on list-like pages."""
from django import template

from citizens.masking import mask_resident_id

register = template.Library()
register.filter("masked_resident_id", mask_resident_id)
