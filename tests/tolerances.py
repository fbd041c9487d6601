"""One table of tolerances by kind of quantity, each with its reason."""

#: Unit conversions are exact products of published factors: only float rounding separates them.
CONVERSION = 1e-12
#: Values printed in the review with up to 2 decimals of a percentage, compared as fractions.
PRINTED_FRACTION = 1e-9
#: Medians printed in months; days converted with 30.4375 are compared to 1e-9 months.
MONTHS = 1e-9
