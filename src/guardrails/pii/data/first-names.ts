// Common given names (English-speaking countries plus frequent names of many other origins), written for this
// project from general knowledge. Lowercase, space-separated; gazetteer.ts turns it into a Set once.
export const FIRST_NAMES = `
aaron abby abdul abdullah abel abigail abraham ada adam addison adele adeline adrian adriana adrienne agnes ahmad ahmed
aidan aiden aisha alan alana albert alberto alec alejandra alejandro alex alexa alexander alexandra alexandria alexis
alfred alfredo ali alice alicia alina alisha alison alissa allan allen allison alma alvin alyssa amanda amber amelia
amina amir amit amos amy ana anand anastasia andre andrea andreas andres andrew andy angel angela angelica angelina
angie anita ann anna annabelle anne annette annie anthony antoine antonio anya april archie ariana ariel arjun arlene
armando arnold arthur arturo ashley ashton astrid aubrey audrey august aurora austin autumn ava avery axel ayesha
barbara barry basil beatrice becky belinda bella ben benedict benjamin bernadette bernard bernice bert beth bethany
betty beverly bianca bill billy blake blanca bobby bonnie boris brad bradley brady brandi brandon brandy brenda brendan
brent brett brian briana brianna bridget brittany brittney brooke brooklyn bruce bruno bryan bryce byron caitlin
caleb calvin camila cameron camille candace cara carl carla carlos carmen carol caroline carolyn carrie carson carter
casey cassandra catherine cathy cecilia cedric celia cesar chad chandler charlene charles charlie charlotte chase
chelsea cheryl chester chloe chris christian christina christine christopher christy cindy claire clara clarence
claudia clay clayton clifford clint clinton clyde cody colin colleen connie connor conrad constance cora corey cory
courtney craig cristina crystal curtis cynthia daisy dale dallas damian damon dan dana daniel daniela danielle danny
dante daphne darius darlene darnell darren darryl daryl dave david dawn dean deanna debbie deborah debra declan deepak
delia della dennis derek derrick desmond devin devon dexter diana diane diego dimitri dina dolores dominic dominique
don donald donna doreen doris dorothy doug douglas duane dustin dwayne dwight dylan earl ed eddie edgar edith edmund
eduardo edward edwin eileen elaine elena eli elias elijah elisa elise eliza elizabeth ella ellen ellie elliot elliott
eloise elsa elsie emanuel emil emilia emilio emily emma emmanuel enrique eric erica erik erin ernest ernesto esther
ethan ethel eugene eunice eva evan evelyn everett ezra fabian faith farah fatima faye felicia felix fernando fiona
florence floyd frances francesca francis francisco frank franklin fred freddie frederick gabriel gabriela gabrielle
gail gareth garrett gary gavin gemma gene geoffrey george georgia gerald geraldine gerard gilbert gina giovanni giselle
gladys glen glenda glenn gloria gordon graham grant greg gregory greta gretchen guadalupe guillermo gustavo gwen
gwendolyn hailey haley hamza hank hannah harold harper harriet harrison harry harvey hassan hayden hazel heather
hector heidi helen helena henry herbert herman hilary hilda hiroshi holly homer howard hugh hugo hunter ian ibrahim
ignacio igor imani imogen ingrid irene iris irma isaac isabel isabella isabelle isaiah isla ismael ivan ivy jack
jackie jackson jacob jacqueline jada jaden jaime jake jamal james jamie jan jane janet janice jared jasmine jason
javier jay jayden jean jeanette jeanne jeff jeffery jeffrey jenna jennifer jenny jeremiah jeremy jerome jerry jesse
jessica jesus jill jim jimmy jo joan joann joanna joanne jocelyn jodi jody joe joel johanna john johnny jon jonah
jonathan jordan jorge jose joseph josephine josh joshua josie joy joyce juan juanita judith judy julia julian juliana
julie juliet julio justin kai kaitlyn kara karen kari karina karl kate katelyn katherine kathleen kathryn kathy katie
katrina kay kayla keith kelly kelsey ken kendall kendra kenneth kenny kerry kevin khalid kim kimberly kirk kristen
kristin kristina kristy kurt kyle kylie lacey lana lance larry latoya laura lauren laurie lawrence layla leah lee
leila lena leo leon leona leonard leroy leslie lester leticia lewis liam lila lillian lily linda lindsay lindsey
lionel lisa lloyd logan lois lola lorena lorenzo loretta lori lorraine louis louise lucas lucia lucille lucy luis
luke luna lydia lynn mabel mackenzie madeline madison maggie malcolm mandy manuel marc marcel marcia marco marcus
margaret margarita maria mariah marian marianne marie marilyn marina mario marion marisa marissa marjorie mark marlene
marshall martha martin marvin mary mason mateo mathew matilda matthew maureen maurice max maxine maya megan meghan
melanie melinda melissa melody melvin mercedes meredith mia micah michael michaela michele michelle miguel mike mila
miles milton mindy miranda miriam misty mitchell mohamed mohammed molly monica monique morgan moses muhammad muriel
myra myrtle nadia nancy naomi natalia natalie natasha nathan nathaniel neil nelson nicholas nick nicolas nicole
nikhil nina noah noel nora norma norman oliver olivia omar oscar owen pablo paige pamela parker patricia patrick patsy
patty paul paula pauline pearl pedro peggy penelope penny percy peter philip phillip phoebe phyllis pierre piper
priscilla priya quentin quinn rachel rafael rahul raj ralph ramon randall randy raquel raul ray raymond rebecca reggie
regina reginald renee rhonda ricardo richard rick ricky riley rita rob robert roberta roberto robin rocco rodney
rodrigo roger roland roman ronald ronnie rory rosa rosalind rose rosemary ross roxanne roy ruby rudy russell ruth ryan
sabrina sadie sally salvador sam samantha samir samuel sandra sandy sara sarah sasha saul savannah scarlett scott
sean sebastian selena serena sergio seth shane shannon sharon shaun shawn sheila shelby shelley sheri sherri sherry
shirley sidney sienna silvia simon simone sofia sonia sophia sophie spencer stacey stacy stanley stefan stella
stephanie stephen steve steven stuart sue susan suzanne sven sylvia tamara tammy tania tanya tara taylor ted teresa
terrance terrence terri terry thelma theo theodore theresa thomas tiffany tim timothy tina toby todd tom tomas tommy
toni tony tonya tracey traci tracy travis trent trevor tricia tristan troy tyler tyrone ursula valentina valerie
vanessa vera vernon veronica vicki vicky victor victoria vikram vince vincent viola violet virginia vivian wade wallace
walter wanda warren wayne wendy wesley whitney wilbur wilfred willard william willie wilma winston xavier yasmin
yolanda yusuf yvette yvonne zachary zack zane zara zoe zoey
akira alessandro amara anders anika annika antonia aryan astrid bashir bjorn carmela chiara chen chinedu dmitri
elif emre enzo esperanza fatma fernanda giulia hana haruto hugo ines ivana jamila javad jin joao jorgen kaito
katarina kenji kofi lars leandro lei li luca lukas mahmoud malik marek mariana matteo mehmet mei mikhail min minh
nadine nikolai nils olga omari pavel pietro rafael ravi reza rohan sanjay santiago sergei shreya sun takashi tariq
thiago ulrich valentin wei xin yara yuki yusuf zainab zhang ziad zoltan
`;
